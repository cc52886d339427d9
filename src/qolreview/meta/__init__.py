"""Random-effects meta-analysis engine; the public interface is :mod:`qolreview.meta_analysis`."""

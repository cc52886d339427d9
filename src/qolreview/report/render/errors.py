"""The exception raised when a report cannot be rendered."""


class RenderError(RuntimeError):
    """A render failed: bad input, a failing cell or expression, or a failing external tool."""

"""Publication figures: forest, effect-direction, risk-of-bias, PRISMA 2020, QoL over time, evidence map."""

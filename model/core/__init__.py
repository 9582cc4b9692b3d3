"""The core: vocabulary, constants, errors, the population, random streams, the module life cycle,
the seams between modules (handoffs, seams, effects), results and the simulation that steps them."""

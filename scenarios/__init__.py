"""The scenario library: YAML files shipped with the package as data (``jrsim.scenarios``)."""

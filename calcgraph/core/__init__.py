"""The pipeline's lower half: YAML -> specs -> checked graph -> bound scenario -> values."""

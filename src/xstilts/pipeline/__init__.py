"""Pipeline: experiment config, planner (DAG of phase jobs), artifact cache, results store, executors."""

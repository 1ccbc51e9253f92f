"""Dagster wiring: Definitions, jobs, schedules, sensors, resources and the IO manager."""

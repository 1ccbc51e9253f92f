"""Danish individual housing benefit (individuel boligstoette): rules, contracts and sample data.

This package never imports Dagster, so the rules can be tested and benchmarked on their own.
"""

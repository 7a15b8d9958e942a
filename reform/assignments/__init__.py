"""Assigning evaluators, recusals, and the evaluator's appraisal queue."""

"""Past years' published results, imported so trends start from day one."""

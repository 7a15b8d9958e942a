"""People (cán bộ, công chức): staff, tasks and periodic scores, the yearly classification."""

"""The Machine Config Operator simulation: render, node controller, drain, daemons, pool status."""

"""Parameters: how modules declare them, and how scenario files are read, inherited and validated."""

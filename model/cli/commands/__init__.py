"""One module a command. Each command's function parses and checks its options, loads its inputs, and
hands its work to ``jrsim.cli.sequence.write_set``; ``jrsim.cli`` registers the functions with typer."""

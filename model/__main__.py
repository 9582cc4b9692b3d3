from jrsim.cli import app

app()

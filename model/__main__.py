from model.cli import app

app()

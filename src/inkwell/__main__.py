from inkwell.cli import app

app(prog_name="inkwell")

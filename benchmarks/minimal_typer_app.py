"""The reference for start-up time: a minimal two-command typer app, as typer's docs write one."""

import typer

app = typer.Typer()


@app.command()
def hello(name: str) -> None:
    """Say hello."""
    print(f"Hello {name}")


@app.command()
def goodbye(name: str) -> None:
    """Say goodbye."""
    print(f"Goodbye {name}")


if __name__ == "__main__":
    app()

"""`python -m cctvkit` runs the CLI."""

from cctvkit.cli.main import main

if __name__ == "__main__":
    main()

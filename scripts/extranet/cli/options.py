"""Options several command groups share, in a module that loads nothing but typer (a command imports only its
own module: `audit` must not load the inventory's to offer --inventory)."""

import typer

InventoryOption = typer.Option(
    None,
    "--inventory",
    "-i",
    help="Inventory directory (default: $EXTRANET_INVENTORY or ./inventory).",
    show_default=False,
)

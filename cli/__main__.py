from relay.cli.main import entry

entry()

"""The application: composition of core and adapters, the command line, printing and rendering."""

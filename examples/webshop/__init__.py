"""An example web-shop backend over the configurator library (see docs/embedding.md)."""

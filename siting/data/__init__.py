"""Data: catalogue parsing, readers, field mapping, layers, sites and the workspace's layers."""

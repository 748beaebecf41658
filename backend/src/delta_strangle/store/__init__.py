"""Persistence: the database engine, table definitions and one repository module per aggregate."""

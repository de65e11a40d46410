"""Renderers: each turns a Result into a string or a rich renderable and never writes files."""

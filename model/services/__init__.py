"""Pathway services: the catalogue, waiting lists and places, delivery and effects on people."""

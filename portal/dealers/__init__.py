"""Dealers (经销商): who sells and services the machines."""

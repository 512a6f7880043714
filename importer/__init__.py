"""Bring a shop's own data in from point-of-sale exports and spreadsheets (issue 18).

Built so far: reading values as people write them (values.py) and reading CSV files with
their own line numbers (reader.py). The headers, the staging tables and the command come
next.
"""

"""Bring a shop's own data in from point-of-sale exports and spreadsheets (issue 18).

reader.py reads CSV and XLSX files row by row with their own line numbers; values.py reads
money, dates, phones and status words as people write them; headers.py tells which field
each column holds and what kind of file it is; orders.py and catalog.py turn rows into
staging records; mapping.py reads a shop's own mapping file; run.py imports a file and
reports on it. The database side (staging, COPY, upserts) is database/imports.py.
"""

"""Reporting: tables for the terminal, the Excel workbook and the HTML report, all from Datasets."""

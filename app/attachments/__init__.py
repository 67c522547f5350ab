"""Attachments on records: files read and prepared for keeping (app/attachments/files.py), the
service the UI calls (app/attachments/service.py), and scanned forms linked back to the record
their QR code names (app/attachments/scans.py)."""

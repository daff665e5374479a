"""Invoices seen per contract (InvoiceReceived), kept for the spending dashboards to come."""

"""Warranty claims to manufacturers, returns of defective parts to suppliers (RMA) and the
service history of one serial number."""

"""The AWS prices an estimate uses: public list prices, on-demand, x86, one region.

They change rarely, but they do change: the table carries its date and region, and every
estimate prints them. The first 100 GB a month out to the internet and Lambda's monthly
free tier are left out (an estimate for a team, not for one free account).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PriceTable:
    region: str = "us-east-1"
    date: str = "2025-06"  # when these list prices were read
    lambda_gb_second: float = 0.0000166667  # x86
    lambda_request: float = 0.20 / 1e6
    lambda_storage_gb_second: float = 0.0000000309  # ephemeral storage above 512 MB
    s3_put: float = 0.005 / 1000  # PUT, COPY, POST, LIST
    s3_get: float = 0.0004 / 1000
    s3_gb_month: float = 0.023
    transfer_out_gb: float = 0.09  # S3 to the internet, first 10 TB
    event: float = 1.00 / 1e6  # EventBridge custom events


PRICES = PriceTable()

"""Tables of loans: the loan, each step it took, and extensions asked for."""

from __future__ import annotations

import peewee as pw

from node.db import BaseModel
from node.local.listings.models import Listing
from node.local.models import Resident, fk, utcnow

LOAN_STATES = ("requested", "accepted", "declined", "handed_over", "returned", "cancelled")


class Loan(BaseModel):
    listing = fk(Listing, "loans")
    lender = fk(Resident, "loans_given")
    borrower = fk(Resident, "loans_taken")
    start = pw.DateField()
    until = pw.DateField()
    message = pw.TextField(default="")
    state = pw.CharField(max_length=12, default="requested", index=True)
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)
    reminded_before = pw.BooleanField(default=False)
    reminded_overdue = pw.BooleanField(default=False)
    lender_thanked = pw.BooleanField(default=False)
    borrower_thanked = pw.BooleanField(default=False)
    # the other node's loan URL: the borrower's (on the lender's node) or the lender's (agreement)
    external_ref = pw.CharField(max_length=500, null=True, unique=True)
    origin = pw.CharField(max_length=255, default="")


class LoanStep(BaseModel):
    """The history of a loan: every transition, who made it and when."""

    loan = fk(Loan, "steps")
    step = pw.CharField(max_length=16)  # requested, accepted, …, extension_asked, thanked
    actor = fk(Resident, "loan_steps", null=True, on_delete="SET NULL")
    note = pw.TextField(default="")
    at = pw.DateTimeField(default=utcnow)
    external_ref = pw.CharField(max_length=500, null=True, unique=True)  # activity id, for dedupe
    # migration 0083 adds a partial unique index: one "thanked" step per (loan, actor)


class LoanExtension(BaseModel):
    loan = fk(Loan, "extensions")
    until = pw.DateField()
    state = pw.CharField(max_length=10, default="asked")  # asked | accepted | declined
    created_at = pw.DateTimeField(default=utcnow)


LOAN_MODELS = [Loan, LoanStep, LoanExtension]

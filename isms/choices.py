"""Vocabularies shared by several apps."""

from django.db import models


class DataCategory(models.TextChoices):
    PERSONAL = "personal", "Personal data"
    SPECIAL_CATEGORY = "special_category", "Special-category personal data"
    CUSTOMER_CONTENT = "customer_content", "Customer content"
    CONFIDENTIAL_BUSINESS = "confidential_business", "Confidential business data"
    SOURCE_CODE = "source_code", "Source code"
    CREDENTIALS = "credentials", "Credentials and secrets"
    FINANCIAL = "financial", "Financial data"
    EMPLOYEE = "employee", "Employee data"
    PUBLIC = "public", "Public information"

"""Content: load, validate and render the files authors write. Knows nothing of Flask or the database."""

from lms.content.catalog import Agreement, Catalog, Condition, Exam, Module, Program, Question, Registration, Track
from lms.content.loader import ContentLoader, ContentRootError, default_content_root, load_catalog
from lms.content.problems import Problem

__all__ = [
    "Agreement", "Catalog", "Condition", "ContentLoader", "ContentRootError", "Exam", "Module",
    "Problem", "Program", "Question", "Registration", "Track", "default_content_root", "load_catalog",
]

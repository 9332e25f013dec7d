"""Errors of message templates and rendering: each says what staff must fix, zh first.

All derive from `TemplateError` (a BilingualError), so the planner can count a resident the
message cannot be rendered for and the dispatcher can record the reason, without knowing which
check refused it. The planner recognises `MessageTooLong` by "too long" in the English text.
"""

from __future__ import annotations

from core import BilingualError


class TemplateError(BilingualError):
    """A template that cannot be used as asked (unknown, malformed, unapproved, misused)."""


class UnknownTemplateError(TemplateError):
    """No template of that name in the registry, or none for that channel kind."""


class RegistryError(TemplateError):
    """templates/registry.yaml itself is wrong: a field missing or out of its allowed values."""


class TemplateNotApproved(TemplateError):  # noqa: N818 - the name the planner uses
    """The SMS provider has not approved the template (no code or no signature registered)."""


class TemplateFormatError(TemplateError):
    """The template file does not parse, or an SMS template uses more than plain variables."""


class UnknownVariableError(TemplateError):
    """The template uses a variable that personal variables never provide."""


class MissingVariableError(TemplateError):
    """A variable the template needs is absent or empty for this resident."""


class VariableTooLongError(TemplateError):
    """A variable's value is longer than the SMS provider accepts."""


class MessageTooLong(TemplateError):  # noqa: N818 - the name the planner uses
    """The rendered SMS takes more parts than the campaign allows."""


class UnsafeTemplateError(TemplateError):
    """A template tried something the sandbox forbids (private attributes, unsafe calls)."""

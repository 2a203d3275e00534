"""Form definitions. Forms only parse input; the rules live in services."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import EqualTo, InputRequired
from wtforms.widgets import CheckboxInput, ListWidget

from lms.services.profiles import state_choices
from lms.services.time_zones import US_ZONES, other_zones, zone_label


class SignUpForm(FlaskForm):
    email = EmailField("Email address", validators=[InputRequired("Enter your email address.")])
    password = PasswordField("Password", validators=[InputRequired("Choose a password.")],
                             description="At least 8 characters. A few unrelated words make a strong password.")
    confirm = PasswordField("Confirm password",
                            validators=[InputRequired("Type the password again."),
                                        EqualTo("password", "The two passwords do not match.")])


class SignInForm(FlaskForm):
    email = EmailField("Email address", validators=[InputRequired("Enter your email address.")])
    password = PasswordField("Password", validators=[InputRequired("Enter your password.")])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[InputRequired("Enter your current password.")])
    new_password = PasswordField("New password", validators=[InputRequired("Choose a new password.")],
                                 description="At least 8 characters.")
    confirm = PasswordField("Confirm new password",
                            validators=[InputRequired("Type the new password again."),
                                        EqualTo("new_password", "The two passwords do not match.")])


class ResetRequestForm(FlaskForm):
    email = EmailField("Email address", validators=[InputRequired("Enter your email address.")])


class ResetPasswordForm(FlaskForm):
    new_password = PasswordField("New password", validators=[InputRequired("Choose a new password.")],
                                 description="At least 8 characters.")
    confirm = PasswordField("Confirm new password",
                            validators=[InputRequired("Type the new password again."),
                                        EqualTo("new_password", "The two passwords do not match.")])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProfileForm(FlaskForm):
    first_name = StringField("Legal first name")
    last_name = StringField("Legal last name")
    npn = StringField("National Producer Number (NPN)",
                      description="Digits only, up to 10, as shown by your state licence or the NIPR lookup.")
    is_business_entity = BooleanField("This NPN belongs to a business entity (agency), not to me personally",
                                      description="An agent with a personal and a business-entity NPN holds "
                                                  "two separate accounts.")
    # Choices are checked by the profile service, so a bad value gets its plain message.
    resident_state = SelectField("Resident state", validate_choice=False)
    sell_states = MultiCheckboxField("States where you sell", validate_choice=False)
    phone = StringField("Phone number", description="A 10-digit US number, like 202-555-0123.")
    time_zone = SelectField("Time zone", validate_choice=False,
                            description="Exam deadlines and other times are shown in this time zone.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = state_choices()
        self.resident_state.choices = [("", "Choose a state")] + [(code, name) for code, name in choices]
        self.sell_states.choices = [(code, name) for code, name in choices]
        self.time_zone.choices = {"United States": [(name, f"{label} ({name})") for name, label in US_ZONES],
                                  "Other time zones": [(name, zone_label(name)) for name in other_zones()]}


class ConfirmForm(FlaskForm):
    """A button and its CSRF token: confirming an address is a POST, never a link's GET."""


class AcceptAgreementForm(FlaskForm):
    agree = BooleanField("I have read this agreement and I accept it")
    full_name = StringField("Your full legal name", description="Type it as it is on your profile. This is your "
                                                                "signature.")

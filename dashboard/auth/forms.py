from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo

from dashboard.forms import DashboardForm, MaxLength


class LoginForm(DashboardForm):
    email = EmailField("E-mail", validators=[DataRequired(), Email(), MaxLength(320)])
    password = PasswordField("Password", validators=[DataRequired(), MaxLength(200)])
    remember = BooleanField("Keep me signed in on this computer")


class SecondStepForm(DashboardForm):
    code = StringField(
        "Code",
        validators=[DataRequired(message="Type the code from your authenticator app."), MaxLength(40)],
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"},
        description="The 6-digit code your authenticator app shows now, or one of your recovery codes.",
    )


class EnrolForm(DashboardForm):
    code = StringField(
        "Code from your app",
        validators=[DataRequired(message="Type the 6-digit code your app shows."), MaxLength(20)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
        description="After adding the account, type the 6-digit code the app shows.",
    )


class ChangePasswordForm(DashboardForm):
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired(message="Type your current password."), MaxLength(200)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        "New password",
        validators=[DataRequired(message="Type a new password."), MaxLength(200)],
        render_kw={"autocomplete": "new-password"},
        description="At least 12 characters; the most common passwords are refused. A few unrelated words work well.",
    )
    confirm_password = PasswordField(
        "New password again",
        validators=[
            DataRequired(message="Type the new password again."),
            EqualTo("new_password", message="The two new passwords differ. Type the same one twice."),
        ],
        render_kw={"autocomplete": "new-password"},
    )

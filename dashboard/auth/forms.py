from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email

from dashboard.forms import DashboardForm, MaxLength


class LoginForm(DashboardForm):
    email = EmailField("E-mail", validators=[DataRequired(), Email(), MaxLength(320)])
    password = PasswordField("Password", validators=[DataRequired(), MaxLength(200)])
    remember = BooleanField("Keep me signed in on this computer")

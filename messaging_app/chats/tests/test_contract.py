"""The curriculum's contract: the files its checkers read and the literals
they grep for, each in code that runs (a literal only in a comment or a
docstring does not count).

No database is touched: these read source files.
"""
import ast
import io
import tokenize
from pathlib import Path

from django.test import SimpleTestCase

APP = Path(__file__).resolve().parent.parent
MODULE = APP.parent
PROJECT = MODULE / "messaging_app"

# File (relative to the module folder) -> literals that must appear in its code.
LITERALS = {
    "chats/models.py": [
        "class User(AbstractUser)", "user_id = models.UUIDField(primary_key=True",
        "db_index=True", "first_name = models.CharField", "last_name = models.CharField",
        "email = models.EmailField(unique=True)", 'db_column="password_hash"',
        "phone_number = models.CharField", "null=True", '"guest"', '"host"', '"admin"',
        "created_at = models.DateTimeField", "class Conversation(models.Model)",
        "conversation_id = models.UUIDField(primary_key=True",
        'participants = models.ManyToManyField(User, related_name="conversations")',
        "class Message(models.Model)", "message_id = models.UUIDField(primary_key=True",
        "sender = models.ForeignKey", 'related_name="messages"',
        "message_body = models.TextField", "sent_at = models.DateTimeField",
    ],
    "chats/serializers.py": [
        "serializers.CharField", "serializers.SerializerMethodField()",
        "serializers.ValidationError",
    ],
    "chats/views.py": [
        "from rest_framework import viewsets, status, filters",
        "class ConversationViewSet(viewsets.ModelViewSet)",
        "class MessageViewSet(viewsets.ModelViewSet)",
        "Message.objects.filter(", "IsParticipantOfConversation", "MessagePagination",
        "MessageFilter", "status.HTTP_403_FORBIDDEN",
    ],
    "chats/urls.py": [
        "from django.urls import path, include", "router = routers.DefaultRouter()",
        'NestedDefaultRouter(router, r"conversations", lookup="conversation")',
    ],
    "chats/auth.py": [
        'token["user_id"]', 'token["email"]', 'token["role"]', "TokenRefreshView",
        "def get_tokens_for_user(user)",
    ],
    "chats/permissions.py": [
        "class IsParticipantOfConversation(BasePermission)", "def has_permission(",
        "request.user.is_authenticated", "conversation_pk", "def has_object_permission(",
        '"PUT"', '"PATCH"', '"DELETE"',
    ],
    "chats/pagination.py": [
        "class MessagePagination(PageNumberPagination)", "page_size = 20",
        "page_size_query_param", "max_page_size", "self.page.paginator.count",
        '"count"', '"next"', '"previous"', '"results"',
    ],
    "chats/filters.py": [
        "class MessageFilter(django_filters.FilterSet)", "conversation = ", "sender = ",
        "participant = ", "sent_after = ", "sent_before = ", "start_date = ", "end_date = ",
    ],
    "messaging_app/settings.py": [
        'AUTH_USER_MODEL = "chats.User"', '"rest_framework"', '"rest_framework_simplejwt"',
        '"django_filters"', '"chats"', '"DEFAULT_AUTHENTICATION_CLASSES"',
        '"DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"]',
        '"DEFAULT_PAGINATION_CLASS"', '"PAGE_SIZE": 20', '"DEFAULT_FILTER_BACKENDS"',
        '"django_filters.rest_framework.DjangoFilterBackend"',
        '"USER_ID_FIELD": "user_id"', '"USER_ID_CLAIM": "user_id"',
    ],
    "messaging_app/urls.py": [
        "from django.urls import path, include", '"admin/"', '"api/"', '"chats.urls"',
        '"api-auth/"', '"rest_framework.urls"', '"api/token/"', '"api/token/refresh/"',
    ],
}
# Literals that must come in this order in a file's code.
ORDERED = {
    "messaging_app/settings.py": [
        '"DEFAULT_AUTHENTICATION_CLASSES"',
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.BasicAuthentication",
    ],
}
# The curriculum's files, at the places its checkers look.
FILES = [
    "manage.py", "post_man-Collections", "messaging_app/settings.py", "messaging_app/urls.py",
    "messaging_app/wsgi.py", "messaging_app/asgi.py", *(f"chats/{name}.py" for name in (
        "models", "serializers", "views", "urls", "auth", "permissions", "pagination",
        "filters", "admin")), "chats/migrations/0001_initial.py",
]


def code_of(source: str) -> str:
    """source without its comments and docstrings: the code that runs.

    Docstrings (a string alone as the first statement of a module, class
    or function) are blanked by their line span; comments by tokenize.
    """
    lines = source.splitlines(keepends=True)
    tree = ast.parse(source)
    blank = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef,
                             ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)):
                blank.update(range(first.lineno - 1, first.end_lineno))
    kept = "".join("\n" if i in blank else line for i, line in enumerate(lines))
    tokens = [tok for tok in tokenize.generate_tokens(io.StringIO(kept).readline)
              if tok.type != tokenize.COMMENT]
    return tokenize.untokenize(tokens)


class CodeOfTests(SimpleTestCase):
    """The helper drops exactly comments and docstrings."""

    def test_drops_comments_and_docstrings_keeps_code(self):
        code = code_of('"""Module: status.HTTP_403_FORBIDDEN."""\n'
                       "def f():\n"
                       '    """Uses Message.objects.filter."""\n'
                       "    return 1  # status.HTTP_403_FORBIDDEN\n"
                       "x = 'page_size = 20'\n")
        self.assertNotIn("HTTP_403_FORBIDDEN", code)
        self.assertNotIn("Message.objects.filter", code)
        self.assertIn("return 1", code)
        self.assertIn("'page_size = 20'", code)


class ContractTests(SimpleTestCase):
    """Every file and literal the curriculum names, in code that runs."""

    def test_curriculum_files_exist(self):
        missing = [name for name in FILES if not (MODULE / name).is_file()]
        self.assertEqual(missing, [], f"missing curriculum files under {MODULE}")

    def test_every_literal_is_in_code(self):
        missing = []
        for name, literals in LITERALS.items():
            code = code_of((MODULE / name).read_text(encoding="utf-8"))
            missing += [f"{name}: {literal}" for literal in literals if literal not in code]
        self.assertEqual(missing, [], "literals missing from code (comments and docstrings "
                                      "do not count)")

    def test_ordered_literals(self):
        for name, literals in ORDERED.items():
            code = code_of((MODULE / name).read_text(encoding="utf-8"))
            positions = [code.find(literal) for literal in literals]
            self.assertNotIn(-1, positions, f"{name}: {literals}")
            self.assertEqual(positions, sorted(positions), f"{name}: not in the order {literals}")

    def test_settings_use_the_literals(self):
        from django.conf import settings
        rest = settings.REST_FRAMEWORK
        self.assertEqual(settings.AUTH_USER_MODEL, "chats.User")
        self.assertEqual(rest["DEFAULT_PERMISSION_CLASSES"],
                         ["rest_framework.permissions.IsAuthenticated"])
        self.assertEqual(rest["PAGE_SIZE"], 20)
        self.assertIn("django_filters.rest_framework.DjangoFilterBackend",
                      rest["DEFAULT_FILTER_BACKENDS"])
        self.assertTrue(rest["DEFAULT_AUTHENTICATION_CLASSES"][0].endswith("JWTAuthentication"))
        for app in ("rest_framework", "rest_framework_simplejwt", "django_filters", "chats"):
            self.assertIn(app, settings.INSTALLED_APPS)
        self.assertEqual(settings.SIMPLE_JWT["USER_ID_FIELD"], "user_id")
        self.assertEqual(settings.SIMPLE_JWT["USER_ID_CLAIM"], "user_id")

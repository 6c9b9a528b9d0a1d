"""Compiled templates shared by every app a test process builds.

Each app has its own Jinja environment, which compiles every template it renders afresh: for a test
that builds an app, that costs more than the test. Jinja's bytecode cache hands a later environment
the code an earlier one compiled from the same source file. Jinja checks the source's checksum on
every load, and the key below also holds every environment setting that shapes the compiled code,
so an environment set up differently (the sandbox's own app) never gets another's code.
"""

from __future__ import annotations

import hashlib

from flask import Flask
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket


def _shape(environment) -> str:
    """The environment's settings that change what a template compiles to."""

    def pass_args(functions: dict) -> list:
        return sorted((name, str(getattr(function, "jinja_pass_arg", None))) for name, function in functions.items())

    return repr((
        environment.block_start_string, environment.block_end_string, environment.variable_start_string,
        environment.variable_end_string, environment.comment_start_string, environment.comment_end_string,
        environment.line_statement_prefix, environment.line_comment_prefix, environment.trim_blocks,
        environment.lstrip_blocks, environment.newline_sequence, environment.keep_trailing_newline,
        environment.optimized, environment.finalize is not None, environment.is_async,
        sorted(environment.extensions), pass_args(environment.filters), pass_args(environment.tests),
        getattr(environment.autoescape, "__qualname__", environment.autoescape),
    ))


class SharedBytecodeCache(BytecodeCache):
    """In memory, for the life of the test process."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def get_bucket(self, environment, name, filename, source) -> Bucket:
        key = hashlib.sha1(f"{_shape(environment)}|{self.get_cache_key(name, filename)}".encode()).hexdigest()
        bucket = Bucket(environment, key, self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


def share_compiled_templates() -> None:
    """Every Flask app created from now on in this process uses the one shared cache."""
    Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": SharedBytecodeCache()}

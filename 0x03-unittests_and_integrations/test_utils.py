#!/usr/bin/env python3
"""Unit tests for utils: access_nested_map, get_json and memoize."""
import unittest
from types import MappingProxyType
from typing import Any, Dict, Mapping, Sequence
from unittest.mock import Mock, patch

import requests
from parameterized import parameterized

import utils
from utils import access_nested_map, get_json, memoize


class TestAccessNestedMap(unittest.TestCase):
    """Tests for access_nested_map."""

    @parameterized.expand([
        ({"a": 1}, ("a",), 1),
        ({"a": {"b": 2}}, ("a",), {"b": 2}),
        ({"a": {"b": 2}}, ("a", "b"), 2),
    ])
    def test_access_nested_map(self, nested_map: Mapping, path: Sequence,
                               expected: Any) -> None:
        """It returns the value found at the end of the path."""
        self.assertEqual(access_nested_map(nested_map, path), expected)

    @parameterized.expand([
        ({}, ("a",), "a"),
        ({"a": 1}, ("a", "b"), "b"),
    ])
    def test_access_nested_map_exception(self, nested_map: Mapping,
                                         path: Sequence,
                                         missing: str) -> None:
        """It raises a KeyError whose message is the missing key."""
        with self.assertRaises(KeyError) as caught:
            access_nested_map(nested_map, path)
        self.assertEqual(caught.exception.args, (missing,))
        self.assertEqual(str(caught.exception), repr(missing))

    @parameterized.expand([
        ("list_value", {"a": [10, 20]}, ("a", 0), 0),
        ("string_value", {"a": "xyz"}, ("a", "b"), "b"),
        ("none_value", {"a": None}, ("a", "b"), "b"),
        ("deep_missing", {"a": {"b": {}}}, ("a", "b", "c"), "c"),
    ])
    def test_raises_key_error_naming_the_first_key_it_cannot_follow(
            self, _name: str, nested_map: Mapping, path: Sequence,
            missing: Any) -> None:
        """A key applied to a non-Mapping or absent raises KeyError(key)."""
        with self.assertRaises(KeyError) as caught:
            access_nested_map(nested_map, path)
        self.assertEqual(caught.exception.args, (missing,))

    def test_empty_path_returns_the_map_itself(self) -> None:
        """An empty path returns the very object passed in."""
        nested = {"a": 1}
        self.assertIs(access_nested_map(nested, ()), nested)

    def test_accepts_any_mapping_and_any_key_sequence(self) -> None:
        """A read-only Mapping and a list path work like a dict and a tuple."""
        nested = MappingProxyType({"a": MappingProxyType({"b": 3})})
        self.assertEqual(access_nested_map(nested, ["a", "b"]), 3)

    def test_returns_falsy_values_unchanged(self) -> None:
        """A stored None, 0 or empty dict is returned as found."""
        for value in (None, 0, {}):
            with self.subTest(value=value):
                self.assertIs(access_nested_map({"k": value}, ("k",)), value)


class TestGetJson(unittest.TestCase):
    """Tests for get_json."""

    @parameterized.expand([
        ("http://example.com", {"payload": True}),
        ("http://holberton.io", {"payload": False}),
    ])
    @patch("requests.get")
    def test_get_json(self, test_url: str, test_payload: Dict,
                      mock_get: Mock) -> None:
        """It calls requests.get(url) once and returns the decoded body."""
        mock_get.return_value.json.return_value = test_payload
        self.assertEqual(get_json(test_url), test_payload)
        mock_get.assert_called_once_with(test_url)

    def test_patch_through_the_utils_module_works_too(self) -> None:
        """Patching utils.requests.get replaces the call as well."""
        response = Mock(**{"json.return_value": [1, 2]})
        with patch("utils.requests.get", return_value=response) as mock_get:
            self.assertEqual(get_json("http://x.test/a"), [1, 2])
        mock_get.assert_called_once_with("http://x.test/a")
        self.assertIs(utils.requests, requests)

    @patch("requests.get")
    def test_returns_the_json_body_not_the_response(self,
                                                    mock_get: Mock) -> None:
        """The result is what response.json() returns, whatever its type."""
        body = object()
        mock_get.return_value.json.return_value = body
        self.assertIs(get_json("http://x.test/b"), body)
        mock_get.return_value.json.assert_called_once_with()

    @patch("requests.get")
    def test_lets_a_network_error_propagate(self, mock_get: Mock) -> None:
        """A requests exception reaches the caller unchanged."""
        error = requests.ConnectionError("refused")
        mock_get.side_effect = error
        with self.assertRaises(requests.ConnectionError) as caught:
            get_json("http://x.test/c")
        self.assertIs(caught.exception, error)


class TestMemoize(unittest.TestCase):
    """Tests for memoize."""

    def test_memoize(self) -> None:
        """Two reads of the memoized property call the method once."""

        class TestClass:
            """A class with a memoized property built on a_method."""

            def a_method(self) -> int:
                """Return 42."""
                return 42

            @memoize
            def a_property(self) -> int:
                """Return a_method's result."""
                return self.a_method()

        with patch.object(TestClass, "a_method",
                          return_value=42) as mock_method:
            test_object = TestClass()
            self.assertEqual(test_object.a_property, 42)
            self.assertEqual(test_object.a_property, 42)
            mock_method.assert_called_once_with()

    def make_counter_class(self, result: Any = 7) -> type:
        """Return a class whose memoized `value` counts its computations."""

        class Counter:
            """Counts how often `value` is computed."""

            calls = 0

            @memoize
            def value(self) -> Any:
                """Return result, counting the call."""
                type(self).calls += 1
                return result

        return Counter

    def test_is_a_property_read_as_an_attribute(self) -> None:
        """The decorated method is a property on the class."""
        counter_class = self.make_counter_class()
        self.assertIsInstance(counter_class.__dict__["value"], property)
        self.assertEqual(counter_class().value, 7)

    def test_stores_the_result_under_underscore_name(self) -> None:
        """The result lives on the instance as '_' + method name."""
        counter = self.make_counter_class()()
        self.assertEqual(counter.value, 7)
        self.assertEqual(vars(counter), {"_value": 7})

    def test_caches_per_instance(self) -> None:
        """Each instance computes its own value once."""
        counter_class = self.make_counter_class()
        first, second = counter_class(), counter_class()
        for _ in range(3):
            self.assertEqual((first.value, second.value), (7, 7))
        self.assertEqual(counter_class.calls, 2)

    def test_caches_none_and_falsy_results(self) -> None:
        """A None result is stored and not recomputed."""
        counter_class = self.make_counter_class(result=None)
        counter = counter_class()
        self.assertIsNone(counter.value)
        self.assertIsNone(counter.value)
        self.assertEqual(counter_class.calls, 1)

    def test_does_not_cache_an_exception(self) -> None:
        """A method that raises is called again on the next read."""
        outcomes = [ValueError("first read fails"), 5]

        class Flaky:
            """Fails once, then succeeds."""

            @memoize
            def value(self) -> int:
                """Raise or return the next outcome."""
                outcome = outcomes.pop(0)
                if isinstance(outcome, Exception):
                    raise outcome
                return outcome

        flaky = Flaky()
        with self.assertRaises(ValueError):
            _ = flaky.value
        self.assertEqual(flaky.value, 5)
        self.assertEqual(flaky.value, 5)
        self.assertEqual(outcomes, [])

    def test_keeps_the_method_name_and_docstring(self) -> None:
        """functools.wraps carries the name and docstring to the getter."""
        getter = self.make_counter_class().__dict__["value"].fget
        self.assertEqual(getter.__name__, "value")
        self.assertEqual(getter.__doc__, "Return result, counting the call.")


if __name__ == "__main__":
    unittest.main()

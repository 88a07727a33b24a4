#!/usr/bin/env python3
"""Prints every failed test in the given .trx files (name, message, first lines of the stack trace),
so that the end of a long test log says what failed. Exit code 0 always: the test run's own exit code
decides the result."""
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
STACK_LINES = 12
OUTPUT_CHARS = 4000


def main(paths):
    failed = []
    for path in paths:
        try:
            root = ET.parse(path).getroot()
        except (OSError, ET.ParseError) as error:
            print(f"(could not read {path}: {error})")
            continue
        for result in root.iterfind(".//t:UnitTestResult", NS):
            if result.get("outcome") != "Failed":
                continue
            message = result.findtext("t:Output/t:ErrorInfo/t:Message", default="", namespaces=NS).strip()
            stack = result.findtext("t:Output/t:ErrorInfo/t:StackTrace", default="", namespaces=NS).strip()
            stdout = result.findtext("t:Output/t:StdOut", default="", namespaces=NS).strip()
            failed.append((result.get("testName"), result.get("duration"), message, stack, stdout))
    if not failed:
        return
    print()
    print(f"==> {len(failed)} failed test(s)")
    for name, duration, message, stack, stdout in failed:
        print(f"--- {name} ({duration})")
        print(message)
        if stack:
            print("\n".join(stack.splitlines()[:STACK_LINES]))
        if stdout:
            print("  output (last part):")
            print(stdout[-OUTPUT_CHARS:])


if __name__ == "__main__":
    main(sys.argv[1:])

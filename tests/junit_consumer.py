"""Reads a JUnit XML report as CI servers do: validated against Jenkins' junit-10.xsd (the copy
pytest's own tests use), then parsed by junitparser. Prints what it read as JSON for the Rust
test to compare with the run. Usage: junit_consumer.py REPORT.xml JUNIT-10.xsd"""

import json
import sys

import junitparser
import xmlschema


def main(report, xsd):
    schema = xmlschema.XMLSchema(xsd)
    errors = [str(e.reason or e) for e in schema.iter_errors(report)]
    xml = junitparser.JUnitXml.fromfile(report)
    suites = []
    for suite in xml:
        cases = []
        for case in suite:
            results = [
                {"kind": type(r).__name__.lower(), "message": r.message, "text": r.text}
                for r in case.result
            ]
            cases.append({"name": case.name, "classname": case.classname, "time": case.time, "results": results})
        props = {p.name: p.value for p in suite.properties()}
        suites.append(
            {
                "name": suite.name,
                "tests": suite.tests,
                "failures": suite.failures,
                "errors": suite.errors,
                "skipped": suite.skipped,
                "time": suite.time,
                "timestamp": suite.timestamp,
                "properties": props,
                "cases": cases,
            }
        )
    json.dump({"xsd_errors": errors, "time": xml.time, "tests": xml.tests, "suites": suites}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

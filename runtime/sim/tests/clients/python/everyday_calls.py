"""Everyday calls of the pycontribs `jira` client, unchanged, against `runtime sim`.

Usage: everyday_calls.py BASE_URL EMAIL API_TOKEN
Prints one line per step and exits non-zero at the first failure, so the Rust
test that runs it shows which call the simulator got wrong.
"""

import sys

from jira import JIRA


def adf(text):
    return {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}],
    }


def step(name, value):
    print(f"ok {name}: {value}", flush=True)
    return value


def main():
    base, email, token = sys.argv[1:4]
    # The v3 API, as a Jira Cloud app uses it; everything else is the default.
    jira = JIRA(server=base, basic_auth=(email, token), options={"rest_api_version": "3"})
    step("server_info", jira.server_info()["deploymentType"])
    me = step("myself", jira.myself()["accountId"])
    step("project", jira.project("KILN").key)
    step("projects", sorted(p.key for p in jira.projects()))
    step("fields", len(jira.fields()))

    issue = jira.create_issue(
        fields={"project": {"key": "KILN"}, "summary": "From the Python client", "issuetype": {"name": "Task"}}
    )
    step("create_issue", issue.key)
    assert issue.fields.summary == "From the Python client", issue.fields.summary

    comment = jira.add_comment(issue, adf("A comment from jira-python"))
    step("add_comment", comment.id)
    comments = jira.comments(issue)
    assert [c.id for c in comments] == [comment.id], comments
    step("comments", len(comments))
    comment = jira.comment(issue, comment.id)
    comment.update(body=adf("An edited comment"))
    edited = jira.comment(issue, comment.id).raw["body"]["content"][0]["content"][0]["text"]
    assert edited == "An edited comment", edited
    step("comment.update", edited)
    extra = jira.add_comment(issue, adf("to be deleted"))
    extra.delete()
    step("comment.delete", len(jira.comments(issue)))

    issue.update(fields={"summary": "Renamed by the Python client", "labels": ["python"]})
    step("update", jira.issue(issue.key).fields.summary)

    transitions = {t["name"]: t["id"] for t in jira.transitions(issue)}
    step("transitions", sorted(transitions))
    jira.transition_issue(issue, transitions["In Progress"])
    status = step("transition_issue", jira.issue(issue.key).fields.status.name)
    assert status == "In Progress", status

    found = jira.enhanced_search_issues(f"project = KILN AND labels = python", maxResults=10)
    keys = [i.key for i in found]
    step("enhanced_search_issues", keys)
    assert keys == [issue.key], keys

    # The client looks the watcher up with a user search, by email as its docs say.
    jira.add_watcher(issue, email)
    step("watchers", jira.watchers(issue).watchCount)
    jira.add_worklog(issue, timeSpent="1h")
    step("worklogs", len(jira.worklogs(issue)))
    jira.add_issue_property(issue, "kiln.test", {"ok": True})
    step("issue_property", jira.issue_property(issue, "kiln.test").value.ok)
    step("search_users", [u.displayName for u in jira.search_users(query="a")][:3])

    read_back = jira.issue(issue.key)
    assert read_back.fields.summary == "Renamed by the Python client"
    assert read_back.fields.labels == ["python"]
    step("read_back", read_back.key)
    issue.delete()
    step("delete", issue.key)


if __name__ == "__main__":
    main()

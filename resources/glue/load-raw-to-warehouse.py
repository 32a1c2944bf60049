"""Glue Python shell job (resources/glue.yml LoadRawToWarehouseJob): the raw archive -> the warehouse.

Each run loads the raw archive's objects that the warehouse's ledger (retail.batch_load_ledger) lacks, then merges:

1. the catalog table's partitions (Glue GetPartitions), the objects in their folders (S3 ListObjectsV2 of the table's
   location, and of any partition outside it);
2. the ledger's objects (Data API): those already loaded, or refused by an earlier run, are skipped (``--load_mode all``
   reloads everything: the merge counts each line id once);
3. one manifest for the rest (S3), then ONE Data API BatchExecuteStatement, one transaction: the COPY of the manifest
   into the landing table with the options Firehose loads with (landing-columns.yml, uploaded with this script), and
   a ledger row per object. A run killed anywhere leaves both or neither: the next run loads each object once;
4. if the COPY fails, the objects are loaded in halves, down to the object it refuses: that object gets a 'failed'
   ledger row with stl_load_errors' file, line, column and reason, and never blocks the others;
5. the merge, as the schedule runs it (``--merge_sql``, CALL retail.merge_landing()).

Plain Python 3.9 and boto3, no Glue library: the same script runs locally under python3 (boto3 >= 1.28 reads the
local platform's AWS_ENDPOINT_URL_<SERVICE> variables itself) and could run in a Lambda function unchanged but for
its arguments. Its output is the run's log; the last line is a SUMMARY in JSON, which `npm run batch` reads.
"""

import argparse
import json
import sys
import time
import uuid
from urllib.parse import urlparse

# boto3 1.28 (botocore 1.31) is the first to read AWS_ENDPOINT_URL_<SERVICE>, how the local platform points it at its
# emulators; redshift-data's WorkgroupName needs botocore 1.27.11 ("This release adds a new --workgroup-name field to
# operations that connect to an endpoint", botocore CHANGELOG 1.27.11). The job pins a newer boto3 on AWS
# (--additional-python-modules in resources/glue.yml).
MINIMUM_BOTO3 = (1, 28)
INSTALL_BOTO3 = "pip install 'boto3>=1.28'"

try:
    import boto3
except ImportError:
    sys.stderr.write(f"load-raw-to-warehouse needs boto3 {'.'.join(map(str, MINIMUM_BOTO3))} or later: {INSTALL_BOTO3}\n")
    sys.exit(1)

# The job's DefaultArguments (resources/glue.yml), checked against it by test/deploy/glue-job-script.test.ts.
ARGUMENTS = [
    "catalog_database",
    "catalog_table",
    "landing_columns_location",
    "jsonpaths_bucket",
    "manifest_prefix",
    "copy_role_arn",
    "workgroup_name",
    "database",
    "secret_arn",
    "ledger_table",
    "merge_sql",
    "load_mode",
]
# Set by Glue for every run ("Job parameters used by AWS Glue"): read when given, never required.
GLUE_ARGUMENTS = ["JOB_NAME", "JOB_RUN_ID"]
LOAD_MODES = ("new", "all")

# The Data API's limits: 40 statements per BatchExecuteStatement, 100 KB of SQL per statement (BatchExecuteStatement).
# A load of more objects than this is split into transactions of this many, each complete with its ledger rows.
OBJECTS_PER_LOAD = 2000
LEDGER_INSERT_MAX_BYTES = 90_000
STL_LOAD_ERRORS_SHOWN = 10

# DescribeStatement is polled from 50 ms, doubling to 250 ms: a statement's end is seen at most 250 ms late (a 1 s cap
# added 0.5 s on average to each of the run's two long statements, the COPY and the merge). At most 4 calls a second
# for one run; the Data API's DescribeStatement quota could not be confirmed in AWS's pages, and boto3 retries a
# ThrottlingException with exponential backoff (boto3 guide, Retries: legacy mode, the default, retries
# "Service-side throttling/limit errors and exceptions"). Long polling (WaitTimeSeconds) is not used: neither
# boto3 1.43.11 nor the 1.34.44 the job pins knows it on DescribeStatement.
FIRST_POLL_SECONDS = 0.05
LAST_POLL_SECONDS = 0.25


class JobError(Exception):
    """A run that cannot go on: its message is the run's ErrorMessage."""


def log(message):
    print(f"load-raw-to-warehouse: {message}", flush=True)


def parse_arguments(argv):
    parser = argparse.ArgumentParser(prog="load-raw-to-warehouse", allow_abbrev=False)
    for name in ARGUMENTS:
        parser.add_argument(f"--{name}", required=True)
    for name in GLUE_ARGUMENTS:
        parser.add_argument(f"--{name}")
    # Glue passes arguments of its own (--job-bookmark-option, --TempDir, --enable-metrics...): not this script's.
    args, _ = parser.parse_known_args(argv)
    if args.load_mode not in LOAD_MODES:
        raise JobError(f"--load_mode {args.load_mode}: expected one of {', '.join(LOAD_MODES)}.")
    return args


def check_boto3():
    version = tuple(int(part) for part in boto3.__version__.split(".")[:2])
    if version < MINIMUM_BOTO3:
        raise JobError(f"boto3 {boto3.__version__} is too old for this job: {INSTALL_BOTO3}")


def s3_location(url):
    parsed = urlparse(url)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise JobError(f"{url} is no s3://bucket/key location.")
    return parsed.netloc, parsed.path.lstrip("/")


def read_s3_text(s3, url):
    bucket, key = s3_location(url)
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")


def read_landing_settings(text):
    """The top-level scalars of landing-columns.yml the COPY needs (plain YAML scalars; no YAML library needed)."""
    settings = {}
    for line in text.splitlines():
        if not line or line[0] in " #-" or ":" not in line:
            continue
        key, value = line.split(":", 1)
        value = value.strip()
        if value and not value.startswith(("{", "[", "|", ">", '"')):
            settings[key.strip()] = value
    needed = ["table", "dataTableColumns", "jsonpathsKey", "copyOptions"]
    missing = [key for key in needed if key not in settings]
    if missing:
        raise JobError(f"landing-columns.yml gives no plain value for {', '.join(missing)}.")
    return settings


def sql_text(value):
    return "'" + str(value).replace("'", "''") + "'"


def copy_statement(settings, manifest_url, jsonpaths_bucket, role_arn):
    """The COPY Firehose runs for a staged manifest (resources/firehose-warehouse.yml), for this run's manifest."""
    jsonpaths = f"s3://{jsonpaths_bucket}/{settings['jsonpathsKey']}"
    return (
        f"COPY {settings['table']} ({settings['dataTableColumns']}) FROM {sql_text(manifest_url)} "
        f"IAM_ROLE {sql_text(role_arn)} MANIFEST JSON {sql_text(jsonpaths)} {settings['copyOptions']}"
    )


def ledger_inserts(ledger, objects, status, run_id, problem=None):
    """INSERTs of a ledger row per object, each statement under the Data API's SQL size limit."""
    head = f"INSERT INTO {ledger} (object_url, object_etag, object_bytes, status, problem, job_run_id) VALUES "
    statements, rows, size = [], [], len(head)
    for item in objects:
        row = (
            f"({sql_text(item['url'])}, {sql_text(item['etag'])}, {int(item['bytes'])}, {sql_text(status)}, "
            f"{'NULL' if problem is None else sql_text(problem[:4000])}, {sql_text(run_id)})"
        )
        if rows and size + len(row) + 2 > LEDGER_INSERT_MAX_BYTES:
            statements.append(head + ", ".join(rows))
            rows, size = [], len(head)
        rows.append(row)
        size += len(row) + 2
    if rows:
        statements.append(head + ", ".join(rows))
    return statements


class DataApi:
    """The warehouse through the Redshift Data API, signed in as the secret's user; every call waits for its end."""

    def __init__(self, client, workgroup, database, secret_arn, statement_name):
        self.client = client
        self.target = {"WorkgroupName": workgroup, "Database": database, "SecretArn": secret_arn}
        self.statement_name = statement_name

    def start(self, sqls):
        """Submits one statement, or several as one transaction (BatchExecuteStatement); its id."""
        if len(sqls) == 1:
            started = self.client.execute_statement(Sql=sqls[0], StatementName=self.statement_name, **self.target)
        else:
            started = self.client.batch_execute_statement(Sqls=sqls, StatementName=self.statement_name, **self.target)
        return started["Id"]

    def run(self, sqls):
        """Runs the statements and waits: the DescribeStatement of a FINISHED statement; StatementFailed otherwise."""
        return self.wait(self.start(sqls))

    def outcome(self, statement_id):
        """Waits for a statement: its DescribeStatement, FINISHED or not."""
        try:
            return self.wait(statement_id)
        except StatementFailed as failure:
            return failure.description

    def wait(self, statement_id):
        pause = FIRST_POLL_SECONDS
        while True:
            description = self.client.describe_statement(Id=statement_id)
            status = description["Status"]
            if status == "FINISHED":
                return description
            if status in ("FAILED", "ABORTED"):
                raise StatementFailed(description)
            time.sleep(pause)
            pause = min(pause * 2, LAST_POLL_SECONDS)

    def rows(self, sql):
        """The rows of a query, each a list of Python values."""
        description = self.run([sql])
        rows, token = [], None
        while True:
            page = self.client.get_statement_result(Id=description["Id"], **({"NextToken": token} if token else {}))
            rows.extend([field_value(field) for field in record] for record in page.get("Records", []))
            token = page.get("NextToken")
            if not token:
                return rows

    def wait_for_earlier_runs(self):
        """Statements an earlier run left running (its process was killed; the Data API goes on): waits for them."""
        for status in ("SUBMITTED", "PICKED", "STARTED"):
            listed = self.client.list_statements(StatementName=self.statement_name, Status=status, MaxResults=100)
            for statement in listed.get("Statements", []):
                log(f"waiting for statement {statement['Id']} of an earlier run ({status})")
                try:
                    self.wait(statement["Id"])
                except StatementFailed:
                    pass  # It changed nothing: its transaction rolled back.


class StatementFailed(Exception):
    def __init__(self, description):
        super().__init__(description.get("Error", description["Status"]))
        self.description = description


def field_value(field):
    if field.get("isNull"):
        return None
    for key in ("stringValue", "longValue", "doubleValue", "booleanValue"):
        if key in field:
            return field[key]
    return None


def archive_objects(glue, s3, database, table):
    """Every object under the catalog table's partitions: [{url, etag, bytes, partition}], in key order."""
    try:
        location = glue.get_table(DatabaseName=database, Name=table)["Table"]["StorageDescriptor"].get("Location", "")
    except glue.exceptions.EntityNotFoundException as error:
        raise JobError(f"Table {table} is not in database {database}: run the crawler first.") from error
    partitions = []
    for page in glue.get_paginator("get_partitions").paginate(DatabaseName=database, TableName=table):
        for partition in page["Partitions"]:
            bucket, prefix = s3_location(partition["StorageDescriptor"]["Location"])
            partitions.append((bucket, folder(prefix), "/".join(partition["Values"])))
    # One listing of the table's location serves every partition under it (the crawler puts them there): one
    # ListObjectsV2 call per 1,000 objects rather than one per partition (305 a year of invoice days).
    listed = []
    folders = {}

    def list_once(bucket, prefix):
        if not any(within(bucket, prefix, root) for root in listed):
            list_folders(s3, bucket, prefix, folders)
            listed.append((bucket, prefix))

    if location:
        table_bucket, table_prefix = s3_location(location)
        table_folder = folder(table_prefix)
        if any(within(bucket, prefix, (table_bucket, table_folder)) for bucket, prefix, _ in partitions):
            list_once(table_bucket, table_folder)
    objects = []
    for bucket, prefix, values in partitions:
        list_once(bucket, prefix)
        # Objects directly in the partition's folder; Hive and Spark conventions: _SUCCESS, .crc and folder markers
        # are no data.
        for key, item in folders.get((bucket, prefix), []):
            name = key[len(prefix) :]
            if not name or name.startswith(("_", ".")):
                continue
            objects.append(
                {"url": f"s3://{bucket}/{key}", "etag": item["ETag"].strip('"'), "bytes": item["Size"], "partition": values}
            )
    objects.sort(key=lambda item: item["url"])
    return len(partitions), objects


def within(bucket, prefix, root):
    """Whether s3://bucket/prefix is under the (bucket, prefix) root."""
    return bucket == root[0] and prefix.startswith(root[1])


def folder(prefix):
    return prefix if not prefix or prefix.endswith("/") else prefix + "/"


def list_folders(s3, bucket, prefix, folders):
    """Every object under the prefix, into folders[(bucket, the folder that holds it)]: [(key, listed item)]."""
    for listed in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in listed.get("Contents", []):
            key = item["Key"]
            folders.setdefault((bucket, key[: key.rfind("/") + 1]), []).append((key, item))


class Load:
    """Loads objects into the landing table with their ledger rows; isolates the objects the COPY refuses."""

    def __init__(self, warehouse, s3, settings, args, run_id):
        self.warehouse = warehouse
        self.s3 = s3
        self.settings = settings
        self.args = args
        self.run_id = run_id
        self.rows = 0
        self.copy_seconds = 0.0
        self.loaded = []
        self.failed = []
        self.manifests = 0

    def load(self, objects):
        if not objects:
            return
        failure = self.copy(objects)
        if failure is None:
            return
        if len(objects) > 1:
            log(f"the COPY of {len(objects)} objects failed ({failure}): loading them in halves")
            half = len(objects) // 2
            self.load(objects[:half])
            self.load(objects[half:])
            return
        item = objects[0]
        problems = self.load_errors(item["url"])
        if not problems and item["url"] not in failure:
            # Nothing ties the failure to this object (a missing jsonpaths file, a lost grant): stop, record nothing.
            raise JobError(f"the COPY failed, and not because of {item['url']}: {failure}")
        problem = "; ".join(problems) if problems else failure
        self.warehouse.run(ledger_inserts(self.args.ledger_table, [item], "failed", self.run_id, problem))
        self.failed.append({"url": item["url"], "problem": problem})
        log(f"NOT LOADED {item['url']}: {problem}")

    def copy(self, objects):
        """COPY of the objects and their ledger rows in one transaction: None, or why it failed."""
        self.manifests += 1
        bucket, prefix = s3_location(self.args.manifest_prefix)
        key = f"{prefix.rstrip('/')}/{self.run_id}-{self.manifests}.manifest"
        manifest_url = f"s3://{bucket}/{key}"
        entries = [{"url": item["url"], "mandatory": True} for item in objects]
        self.s3.put_object(Bucket=bucket, Key=key, Body=json.dumps({"entries": entries}).encode("utf-8"))
        copy = copy_statement(self.settings, manifest_url, self.args.jsonpaths_bucket, self.args.copy_role_arn)
        inserts = ledger_inserts(self.args.ledger_table, objects, "loaded", self.run_id)
        started = time.monotonic()
        statement_id = self.warehouse.start([copy, *inserts])
        # From here the transaction is the Data API's: it commits or not whatever becomes of this process.
        log(f"COPY of {len(objects)} objects and their ledger rows: statement {statement_id}")
        description = self.warehouse.outcome(statement_id)
        self.s3.delete_object(Bucket=bucket, Key=key)
        if description["Status"] != "FINISHED":
            return description.get("Error", description["Status"])
        rows = description["SubStatements"][0].get("ResultRows", 0)
        self.rows += rows
        self.loaded.extend(objects)
        seconds = time.monotonic() - started
        self.copy_seconds += seconds
        log(f"COPY {rows:,} rows of {len(objects)} objects and their ledger rows in one transaction ({seconds:.1f} s)")
        return None

    def load_errors(self, url):
        """The rows stl_load_errors holds for the object's latest failed COPY (a user sees its own COPYs' rows)."""
        rows = self.warehouse.rows(
            "SELECT query, line_number, TRIM(colname), TRIM(err_reason), TRIM(raw_field_value), err_code "
            f"FROM stl_load_errors WHERE TRIM(filename) = {sql_text(url)} ORDER BY query DESC, line_number"
        )
        latest = [row for row in rows if rows and row[0] == rows[0][0]][:STL_LOAD_ERRORS_SHOWN]
        return [
            f"line {line}" + (f", column {column}" if column else "") + f": {reason}"
            + (f" (value {value!r})" if value else "") + f" [error {code}]"
            for _, line, column, reason, value, code in latest
        ]


def main(argv):
    check_boto3()
    args = parse_arguments(argv)
    run_id = args.JOB_RUN_ID or f"run-{uuid.uuid4()}"
    session = boto3.session.Session()
    glue, s3 = session.client("glue"), session.client("s3")
    warehouse = DataApi(
        session.client("redshift-data"),
        args.workgroup_name,
        args.database,
        args.secret_arn,
        args.JOB_NAME or "load-raw-to-warehouse",
    )
    started = time.monotonic()
    settings = read_landing_settings(read_s3_text(s3, args.landing_columns_location))
    warehouse.wait_for_earlier_runs()

    partitions, objects = archive_objects(glue, s3, args.catalog_database, args.catalog_table)
    recorded = {}
    for url, etag, status in warehouse.rows(f"SELECT object_url, object_etag, status FROM {args.ledger_table}"):
        # An object loaded once stays loaded even if a later --load_mode all run failed on it.
        if recorded.get((url, etag)) != "loaded":
            recorded[(url, etag)] = status
    if args.load_mode == "all":
        todo = objects
    else:
        todo = [item for item in objects if (item["url"], item["etag"]) not in recorded]
    refused_earlier = sum(1 for item in objects if recorded.get((item["url"], item["etag"])) == "failed")
    log(
        f"{partitions} partitions, {len(objects)} objects; {len(todo)} to load"
        + (" (--load_mode all: the ledger is not consulted)" if args.load_mode == "all" else f" (ledger {args.ledger_table})")
    )
    if refused_earlier and args.load_mode == "new":
        log(f"{refused_earlier} object(s) refused by an earlier run stay out (see {args.ledger_table}, status failed)")

    load = Load(warehouse, s3, settings, args, run_id)
    for start in range(0, len(todo), OBJECTS_PER_LOAD):
        load.load(todo[start : start + OBJECTS_PER_LOAD])
    loaded = time.monotonic()

    # The merge as the schedule runs it: also what an earlier run loaded but did not live to merge.
    warehouse.run([args.merge_sql])
    merged = time.monotonic()
    log(f"merged: {args.merge_sql} ({merged - loaded:.1f} s)")

    summary = {
        "partitions": len({item["partition"] for item in todo}),
        "objects": len(todo),
        "objectsLoaded": len(load.loaded),
        "rows": load.rows,
        "failed": load.failed,
        "refusedEarlier": refused_earlier if args.load_mode == "new" else 0,
        # copy: the COPY transactions alone; load: listing, the ledger and the COPYs; merge: the merge's CALL.
        "seconds": {
            "copy": round(load.copy_seconds, 2),
            "load": round(loaded - started, 2),
            "merge": round(merged - loaded, 2),
            "total": round(merged - started, 2),
        },
    }
    print("SUMMARY " + json.dumps(summary), flush=True)
    if load.failed:
        names = ", ".join(item["url"] for item in load.failed)
        raise JobError(f"{len(load.failed)} of {len(todo)} objects not loaded (ledger status failed): {names}")


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except JobError as error:
        # The last line of the error log: Glue's and the local Glue's ErrorMessage.
        sys.stderr.write(f"{error}\n")
        sys.exit(1)

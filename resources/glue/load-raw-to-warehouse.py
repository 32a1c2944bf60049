"""Glue job (resources/glue.yml): the raw archive's partitions not yet bookmarked -> the warehouse landing table -> merge.

Thin on purpose: what it loads and how comes from its arguments (the job's DefaultArguments) and the files they name,
the same files the local job reads: resources/warehouse/landing-columns.yml (the landing columns in order and each
one's jsonpath in the canonical event) and resources/warehouse/merge-landing.sql (run after the load). Job bookmarks
(--job-bookmark-option job-bookmark-enable) make each run read only the files it has not read before.
"""

import sys
from urllib.parse import urlparse

import boto3
import yaml
from awsglue.context import GlueContext
from awsglue.dynamicframe import DynamicFrame
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from pyspark.sql.functions import col

# JOB_NAME is Glue's own (the bookmark's key); the others are the job's DefaultArguments, checked by a test.
ARGUMENTS = [
    "JOB_NAME",
    "TempDir",
    "catalog_database",
    "catalog_table",
    "landing_table",
    "landing_columns_location",
    "merge_sql_location",
    "redshift_connection",
]
# The warehouse database (notes/WAREHOUSE.md); the connection's JDBC URL names the same one.
WAREHOUSE_DATABASE = "retail"


def read_s3_text(location):
    parsed = urlparse(location)
    body = boto3.client("s3").get_object(Bucket=parsed.netloc, Key=parsed.path.lstrip("/"))["Body"]
    return body.read().decode("utf-8")


def landing_columns(location):
    """[(landing column, catalog column)]: the catalog lower-cases the event's camelCase names ($.unitPrice -> unitprice)."""
    declared = yaml.safe_load(read_s3_text(location))["columns"]
    # A column without a jsonpath (loaded_at) takes its default in the warehouse.
    return [(c["name"], c["jsonpath"].removeprefix("$.").lower()) for c in declared if c.get("jsonpath")]


def main():
    args = getResolvedOptions(sys.argv, ARGUMENTS)
    glue = GlueContext(SparkContext.getOrCreate())
    job = Job(glue)
    job.init(args["JOB_NAME"], args)

    columns = landing_columns(args["landing_columns_location"])
    merge_sql = read_s3_text(args["merge_sql_location"])
    raw = glue.create_dynamic_frame.from_catalog(
        database=args["catalog_database"],
        table_name=args["catalog_table"],
        transformation_ctx="raw_invoice_lines",
    )
    lines = raw.toDF().select(*[col(source).alias(target) for target, source in columns])
    if lines.take(1):
        glue.write_dynamic_frame.from_jdbc_conf(
            frame=DynamicFrame.fromDF(lines, glue, "landing_rows"),
            catalog_connection=args["redshift_connection"],
            connection_options={
                "database": WAREHOUSE_DATABASE,
                "dbtable": args["landing_table"],
                # The merge runs after the COPY, in the same session: landing rows since the last merge, by line_id.
                "postactions": merge_sql,
            },
            redshift_tmp_dir=args["TempDir"],
            transformation_ctx="landing_table",
        )
    job.commit()


if __name__ == "__main__":
    main()

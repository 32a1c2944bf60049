/**
 * The SQL functions Amazon Redshift documents, page by page of its "SQL functions reference"
 * (https://docs.aws.amazon.com/redshift/latest/dg/c_SQL_functions.html): each sub-page's topic list, read from the
 * guide's source (github.com/awsdocs/amazon-redshift-developer-guide, doc_source/, archived June 2023) and checked on
 * 2026-12-07 against the current pages, which add the array functions, TRY_CAST and OBJECT_TRANSFORM. Lower case, as
 * the Redshift grammar check (redshift-grammar.ts) compares them. A function Redshift documents but this list lacks
 * fails the check: find it on one of these pages and add it there.
 */
export interface RedshiftFunctionPage {
  /** The page under https://docs.aws.amazon.com/redshift/latest/dg/ that lists the functions. */
  page: string;
  functions: readonly string[];
}

const REDSHIFT_DOCS = 'https://docs.aws.amazon.com/redshift/latest/dg/';

// Names separated by white space, as the pages list them: one line of source per few names instead of one a line.
const names = (text: string): readonly string[] => text.trim().split(/\s+/);

export const REDSHIFT_FUNCTION_PAGES: readonly RedshiftFunctionPage[] = [
  {
    page: 'c_Aggregate_Functions.html',
    // STDDEV and VARIANCE: the synonyms the STDDEV and VAR_SAMP pages name.
    functions: names(`any_value avg count listagg max median min percentile_cont percentile_disc stddev stddev_pop
      stddev_samp sum var_pop var_samp variance`),
  },
  {
    page: 'c_Array_Functions.html',
    functions: names(`array array_concat array_contains array_distinct array_except array_flatten array_intersection
      array_position array_positions array_sort array_union arrays_overlap get_array_length split_to_array subarray`),
  },
  { page: 'c_bitwise_aggregate_functions.html', functions: names('bit_and bit_or bool_and bool_or') },
  { page: 'c_conditional_expressions.html', functions: names('coalesce decode greatest least nullif nvl nvl2') },
  {
    page: 'r_Data_type_formatting.html',
    functions: names('cast convert text_to_int_alt text_to_numeric_alt to_char to_date to_number try_cast'),
  },
  {
    page: 'Date_functions_header.html',
    functions: names(`add_months convert_timezone current_date date_cmp date_cmp_timestamp date_cmp_timestamptz
      date_part date_part_year date_trunc dateadd datediff extract getdate interval_cmp last_day months_between
      next_day sysdate timeofday timestamp_cmp timestamp_cmp_date timestamp_cmp_timestamptz timestamptz_cmp
      timestamptz_cmp_date timestamptz_cmp_timestamp timezone to_timestamp trunc`),
  },
  {
    page: 'hash-functions.html',
    functions: names('checksum farmfingerprint64 fnv_hash func_sha1 md5 murmur3_32_hash sha sha1 sha2'),
  },
  {
    page: 'hyperloglog-functions.html',
    functions: names('hll hll_cardinality hll_combine hll_combine_sketches hll_create_sketch'),
  },
  {
    page: 'json-functions.html',
    functions: names(`can_json_parse is_valid_json is_valid_json_array json_array_length
      json_extract_array_element_text json_extract_path_text json_parse json_serialize json_serialize_to_varbyte`),
  },
  { page: 'ml-function.html', functions: names('explain_model') },
  {
    page: 'Math_functions.html',
    functions: names(`abs acos asin atan atan2 cbrt ceil ceiling cos cot degrees dexp dlog1 dlog10 exp floor ln log
      mod pi power radians random round sign sin sqrt tan trunc`),
  },
  { page: 'Object_Functions.html', functions: names('object object_transform') },
  {
    page: 'geospatial-functions.html',
    functions: names(`addbbox dropbbox geometrytype st_addpoint st_angle st_area st_asbinary st_asewkb st_asewkt
      st_asgeojson st_ashexewkb st_ashexwkb st_astext st_azimuth st_boundary st_buffer st_centroid st_collect
      st_contains st_containsproperly st_convexhull st_coveredby st_covers st_crosses st_dimension st_disjoint
      st_distance st_distancesphere st_dwithin st_endpoint st_envelope st_equals st_exteriorring st_force2d
      st_force3d st_force3dm st_force3dz st_force4d st_geogfromtext st_geogfromwkb st_geohash st_geometryn
      st_geometrytype st_geomfromewkb st_geomfromewkt st_geomfromgeohash st_geomfromgeojson st_geomfromtext
      st_geomfromwkb st_interiorringn st_intersection st_intersects st_isclosed st_iscollection st_isempty
      st_ispolygonccw st_ispolygoncw st_isring st_issimple st_isvalid st_length st_length2d st_lengthsphere
      st_linefrommultipoint st_lineinterpolatepoint st_m st_makeenvelope st_makeline st_makepoint st_makepolygon
      st_memsize st_mmax st_mmin st_multi st_ndims st_npoints st_nrings st_numgeometries st_numinteriorrings
      st_numpoints st_perimeter st_perimeter2d st_point st_pointn st_points st_polygon st_removepoint st_reverse
      st_setpoint st_setsrid st_simplify st_srid st_startpoint st_touches st_transform st_union st_within st_x
      st_xmax st_xmin st_y st_ymax st_ymin st_z st_zmax st_zmin supportsbbox`),
  },
  {
    page: 'String_functions_header.html',
    functions: names(`ascii bpcharcmp btrim bttext_pattern_cmp char_length character_length charindex chr collate
      concat crc32 difference initcap left len length lower lpad ltrim octet_length octetindex position quote_ident
      quote_literal regexp_count regexp_instr regexp_replace regexp_substr repeat replace replicate reverse right
      rpad rtrim soundex split_part strpos strtol substr substring textlen translate trim upper`),
  },
  {
    page: 'c_Type_Info_Functions.html',
    functions: names(`decimal_precision decimal_scale is_array is_bigint is_boolean is_char is_decimal is_float
      is_integer is_object is_scalar is_smallint is_varchar json_size json_typeof size`),
  },
  {
    page: 'varbyte-functions.html',
    functions: names('concat from_hex from_varbyte getbit len length octet_length substr substring to_hex to_varbyte'),
  },
  {
    page: 'c_Window_functions.html',
    functions: names(`avg count cume_dist dense_rank first_value lag last_value lead listagg max median min
      nth_value ntile percent_rank percentile_cont percentile_disc rank ratio_to_report row_number stddev_pop
      stddev_samp sum var_pop var_samp`),
  },
  {
    page: 'r_System_administration_functions.html',
    functions: names(`change_query_priority change_session_priority change_user_priority current_setting
      pg_cancel_backend pg_terminate_backend reboot_cluster set_config`),
  },
  {
    page: 'r_System_information_functions.html',
    functions: names(`current_aws_account current_database current_namespace current_schema current_schemas
      current_user current_user_id default_iam_role has_assumerole_privilege has_database_privilege
      has_schema_privilege has_table_privilege pg_backend_pid pg_get_cols pg_get_grantee_by_iam_role
      pg_get_iam_role_by_user pg_get_late_binding_view_cols pg_last_copy_count pg_last_copy_id pg_last_query_id
      pg_last_unload_count pg_last_unload_id role_is_member_of slice_num user user_is_member_of version`),
  },
];

/** Every function Redshift documents, by name, and the page that lists it. */
export const REDSHIFT_FUNCTIONS: ReadonlyMap<string, string> = new Map(
  REDSHIFT_FUNCTION_PAGES.flatMap(({ page, functions }) => functions.map((name) => [name, REDSHIFT_DOCS + page])),
);

/**
 * PostgreSQL functions Redshift refuses, with what to write instead: most are on its "Unsupported PostgreSQL functions"
 * page (https://docs.aws.amazon.com/redshift/latest/dg/c_unsupported-postgresql-functions.html), NOW() and the like
 * are the leader node-only date functions it deprecated (Date_functions_header.html). The local PostgreSQL runs them
 * all, so only the Redshift grammar check stops them.
 */
export const POSTGRESQL_FUNCTIONS_REDSHIFT_REFUSES: ReadonlyMap<string, string> = new Map([
  ...names('string_agg array_agg').map((name): [string, string] => [name, 'LISTAGG ... WITHIN GROUP (ORDER BY ...)']),
  ...names(`every xml_agg corr covar_pop covar_samp regr_avgx regr_avgy regr_count regr_intercept regr_r2 regr_slope
    regr_sxx regr_sxy regr_syy div setseed width_bucket generate_subscripts bit_length overlay convert_from convert_to
    encode quote_nullable regexp_split_to_array regexp_split_to_table pg_sleep justify_days justify_hours
    justify_interval`).map((name): [string, string] => [
    name,
    'what Redshift documents instead (it lists this as unsupported)',
  ]),
  ['generate_series', 'a table of numbers made by a cross join of digits (see 0060-invoice-totals.sql)'],
  ['format', "|| or CONCAT (FORMAT's placeholders are PostgreSQL's)"],
  ['regexp_matches', 'REGEXP_SUBSTR or REGEXP_INSTR'],
  ['regexp_match', 'REGEXP_SUBSTR or REGEXP_INSTR'],
  ...names('now current_timestamp clock_timestamp transaction_timestamp localtimestamp').map(
    (name): [string, string] => [name, 'GETDATE() or SYSDATE'],
  ),
  ...names('age current_time localtime isfinite').map((name): [string, string] => [name, 'DATEDIFF or DATEADD']),
]);

// A root list reads only the columns its query shows. The node types' `select`s (generation-
// select.ts) read every short column, so that a row loaded anywhere (a mutation's answer, a live
// event's row, a node lookup) serves every field without a second query; a list of 100 rows
// pays for that on every row: reading the songs list's rows through Prisma took 3.9 ms with the
// 39 values per row its types select, 1.7 ms with the 10 the query shows (the bench's `columns`
// part); with only those, the three lists went from 0.24-0.29x to 0.49-0.52x PostGraphile's req/s.
// So the list roots prune plugin-prisma's query to the columns their selection's fields read.
// A field reads the column of its own name unless READS says otherwise; a field this cannot
// account for (an unknown name, an aliased relation asked for twice) keeps the type's columns.
import { getNamedType, isObjectType, type FieldNode, type GraphQLObjectType, type GraphQLResolveInfo, type SelectionSetNode } from "graphql";

/** Fields that read a column of another name, or none (a constant, a DataLoader by id). */
const READS: Record<string, Record<string, readonly string[]>> = {
  Lyric: { kind: [], error: ["errorMessage"] },
  Song: { kind: [], error: ["errorMessage"], audioUrl: ["blobKey"], coverImageUrl: ["imageBlobKey"], takes: [] },
  Video: { kind: [], error: ["errorMessage"], videoUrl: ["blobKey"], thumbnailUrl: ["thumbnailBlobKey"] },
  Project: { lastEventSequence: ["eventSequence"], imageCount: [] },
};
/** Read whatever is asked: the global id and a connection's cursor. */
const ALWAYS = new Set(["id"]);

type Select = Record<string, unknown>;

/** `query` (plugin-prisma's findMany arguments for the list field `info` resolves) with only the
 *  columns the selection shows, in the list's rows and in the relations they join. */
export function shownColumns<Q extends object>(query: Q, info: GraphQLResolveInfo): Q {
  // Typed as plugin-prisma's include form; the node types are `select` types, so it is a select.
  const { select } = query as { select?: Select };
  const node = select && connectionNode(info.returnType, info.fieldNodes, info);
  return node ? { ...query, select: prune(select, node.type, node.fields, info) } : query;
}

/** The node type of a connection and the fields asked of its nodes (`edges { node { … } }`). */
function connectionNode(returnType: unknown, fieldNodes: readonly FieldNode[], info: GraphQLResolveInfo) {
  const connection = getNamedType(returnType as never);
  if (!isObjectType(connection)) return null;
  const edgesField = connection.getFields()["edges"];
  const edge = edgesField && getNamedType(edgesField.type);
  const nodeField = edge && isObjectType(edge) ? edge.getFields()["node"] : undefined;
  const type = nodeField && getNamedType(nodeField.type);
  if (!type || !isObjectType(type)) return null;
  const edges = fieldsOf(connection, fieldNodes, info).get("edges") ?? [];
  const nodes = edges.flatMap((e) => fieldsOf(edge as GraphQLObjectType, [e], info).get("node") ?? []);
  return { type, fields: nodes };
}

/** The fields asked of `type` in the selection sets of `fieldNodes`, by field name (fragments
 *  on the type or an interface of it included; `__typename` reads nothing). */
function fieldsOf(type: GraphQLObjectType, fieldNodes: readonly FieldNode[], info: GraphQLResolveInfo): Map<string, FieldNode[]> {
  const byName = new Map<string, FieldNode[]>();
  const applies = (typeName: string | undefined) => !typeName || typeName === type.name || type.getInterfaces().some((i) => i.name === typeName);
  const visit = (set: SelectionSetNode | undefined) => {
    for (const s of set?.selections ?? []) {
      if (s.kind === "Field") {
        if (s.name.value === "__typename") continue;
        byName.set(s.name.value, [...(byName.get(s.name.value) ?? []), s]);
      } else if (s.kind === "InlineFragment") {
        if (applies(s.typeCondition?.name.value)) visit(s.selectionSet);
      } else {
        const fragment = info.fragments[s.name.value];
        if (fragment && applies(fragment.typeCondition.name.value)) visit(fragment.selectionSet);
      }
    }
  };
  for (const f of fieldNodes) visit(f.selectionSet);
  return byName;
}

function prune(select: Select, type: GraphQLObjectType, fieldNodes: readonly FieldNode[], info: GraphQLResolveInfo): Select {
  const asked = fieldsOf(type, fieldNodes, info);
  const reads = READS[type.name];
  if (!reads) return select;
  const columns = new Set(ALWAYS);
  for (const name of asked.keys()) {
    const read = Object.hasOwn(reads, name) ? reads[name] : Object.hasOwn(select, name) ? [name] : undefined;
    if (!read) return select; // a field this cannot account for: keep every column
    for (const c of read) columns.add(c);
  }
  const pruned: Select = {};
  for (const [key, value] of Object.entries(select)) {
    if (value === true) {
      if (columns.has(key)) pruned[key] = value;
      continue;
    }
    // A relation (or a count): its own selection, pruned the same way when asked for once.
    const nodes = asked.get(key);
    const field = type.getFields()[key];
    const nested = value as { select?: Select };
    if (!field || nodes?.length !== 1 || !nested?.select) {
      pruned[key] = value;
      continue;
    }
    const target = getNamedType(field.type);
    const inner = isObjectType(target) && target.getFields()["edges"] ? connectionNode(field.type, nodes, info) : isObjectType(target) ? { type: target, fields: nodes } : null;
    pruned[key] = inner ? { ...nested, select: prune(nested.select, inner.type, inner.fields, info) } : value;
  }
  return pruned;
}

/**
 * The listings' indexes (layout in items.ts): `CustomerJobs`, a customer's jobs by `{created_at}#{job_id}`,
 * and the sparse `ActiveNodes`, active nodes by id. A page is one Query; a filter (job status, model)
 * is a FilterExpression, so the items it drops still count towards the query's `Limit`.
 */
import { ConditionalCheckFailedException, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { InferenceNode } from '../../domain/node.js';
import type { Listings, NodeSummary } from '../../services/ports/listings.js';
import { type Item, readList, readS, readWei, s } from './attributes.js';
import { ACTIVE_NODES_INDEX, ACTIVE_NODES_PARTITION, CUSTOMER_JOBS_INDEX, keys } from './items.js';
import { jobFromItem } from './job-items.js';
import type { Table } from './table.js';

/** The `CustomerJobs` key of the job whose sort key is `order` (`{created_at}#{job_id}`: ids have no `#`). */
function customerJobsKey(customerId: string, order: string): Item {
  const jobId = order.slice(order.lastIndexOf('#') + 1);
  return { ...keys.job(customerId, jobId), customer_id: s(customerId), job_order: s(order) };
}

function activeNodesKey(nodeId: string): Item {
  return { ...keys.node(nodeId), active_nodes: s(ACTIVE_NODES_PARTITION), node_id: s(nodeId) };
}

function nodeSummaryFromItem(item: Item): NodeSummary {
  return {
    node_id: readS(item, 'node_id'),
    status: readS(item, 'status') as InferenceNode['status'],
    models: readList(item, 'models').map((model) => ({ model_id: readS(model, 'model_id'), price_wei: readWei(model, 'price_wei') })),
    last_seen_at: item.last_seen_at?.S ?? null,
  };
}

function listingIndexes(table: Table): Listings {
  return {
    async customerJobsPage(customerId, { evaluate, after, status }) {
      const result = await table.client.send(
        new QueryCommand({
          TableName: table.name,
          IndexName: CUSTOMER_JOBS_INDEX,
          KeyConditionExpression: 'customer_id = :customer',
          ...(status === undefined ? {} : { FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' } }),
          ExpressionAttributeValues: { ':customer': s(customerId), ...(status === undefined ? {} : { ':status': s(status) }) },
          ScanIndexForward: false,
          Limit: evaluate,
          ExclusiveStartKey: after === undefined ? undefined : customerJobsKey(customerId, after),
        }),
      );
      const last = result.LastEvaluatedKey?.job_order?.S;
      return { items: (result.Items ?? []).map(jobFromItem), ...(last === undefined ? {} : { lastEvaluated: last }) };
    },

    async activeNodesPage({ evaluate, after, modelId }) {
      const result = await table.client.send(
        new QueryCommand({
          TableName: table.name,
          IndexName: ACTIVE_NODES_INDEX,
          KeyConditionExpression: 'active_nodes = :active',
          ...(modelId === undefined ? {} : { FilterExpression: 'contains(model_ids, :model)' }),
          ExpressionAttributeValues: { ':active': s(ACTIVE_NODES_PARTITION), ...(modelId === undefined ? {} : { ':model': s(modelId) }) },
          Limit: evaluate,
          ExclusiveStartKey: after === undefined ? undefined : activeNodesKey(after),
        }),
      );
      const last = result.LastEvaluatedKey?.node_id?.S;
      return { items: (result.Items ?? []).map(nodeSummaryFromItem), ...(last === undefined ? {} : { lastEvaluated: last }) };
    },

    async recordNodeSeen(nodeId, at) {
      try {
        await table.client.send(
          new UpdateItemCommand({
            TableName: table.name,
            Key: keys.node(nodeId),
            // Not the revision: enrollment's optimistic lock must not see a sighting as a change.
            UpdateExpression: 'SET last_seen_at = :at',
            ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(last_seen_at) OR last_seen_at < :at)',
            ExpressionAttributeValues: { ':at': s(at) },
          }),
        );
      } catch (error) {
        // Already later (another instance recorded a newer call), or no such node: nothing to record.
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    },
  };
}

export { listingIndexes };

/** The sparse `OpenJobs` index of the table: open jobs by next deadline, a partition per status and shard. */
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { OPEN_SHARDS, type OpenJobsIndex, type PageCursor } from '../../services/ports/open-jobs.js';
import { type Item, s } from './attributes.js';
import { OPEN_JOBS_INDEX } from './items.js';
import { openJobRefFromItem, openShardKey } from './job-items.js';
import type { Table } from './table.js';

function openJobsIndex(table: Table): OpenJobsIndex {
  const index: OpenJobsIndex = {
    async openJobs(shard, options) {
      const result = await table.client.send(
        new QueryCommand({
          TableName: table.name,
          IndexName: OPEN_JOBS_INDEX,
          KeyConditionExpression: options.dueBy === undefined ? 'open_shard = :shard' : 'open_shard = :shard AND due_at <= :due',
          ExpressionAttributeValues: {
            ':shard': s(openShardKey(shard)),
            ...(options.dueBy === undefined ? {} : { ':due': s(options.dueBy) }),
          },
          Limit: options.limit,
          // A cursor is the LastEvaluatedKey this index answered.
          ExclusiveStartKey: options.start as Item | undefined,
        }),
      );
      return {
        jobs: (result.Items ?? []).map(openJobRefFromItem),
        ...(result.LastEvaluatedKey === undefined ? {} : { next: result.LastEvaluatedKey as unknown as PageCursor }),
      };
    },

    /**
     * The first job of each index partition is its oldest: within a status every job has the
     * same window, so the soonest deadline is the oldest job.
     */
    async oldestOpenJobCreatedAt() {
      const firsts = await Promise.all(OPEN_SHARDS.map((shard) => index.openJobs(shard, { limit: 1 })));
      const created = firsts.flatMap((page) => page.jobs.map((job) => job.created_at)).sort();
      return created[0];
    },
  };
  return index;
}

export { openJobsIndex };

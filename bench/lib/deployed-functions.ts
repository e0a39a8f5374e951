/**
 * The deployed stack's functions on the emulator, reconfigured between rows of the bench: where their
 * DynamoDB calls go (`AWS_ENDPOINT_URL_DYNAMODB`: a conflict front, or unset for the emulator itself) and
 * other variables. A function's own variables win over the environment ministack gives its Lambda
 * processes, and an UpdateFunctionConfiguration recycles its warm workers, so the next invocation runs
 * with the new configuration. Only the bench's own emulator is touched.
 */
import {
  LambdaClient,
  paginateListFunctions,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';

type AwsEnv = Record<string, string>;

function lambdaClient(awsEnv: AwsEnv): LambdaClient {
  return new LambdaClient({
    endpoint: awsEnv.AWS_ENDPOINT_URL,
    region: awsEnv.AWS_REGION,
    credentials: { accessKeyId: awsEnv.AWS_ACCESS_KEY_ID ?? 'test', secretAccessKey: awsEnv.AWS_SECRET_ACCESS_KEY ?? 'test' },
  });
}

/** The stack's functions, known by their `TABLE_NAME`, with their variables. */
async function stackFunctions(lambda: LambdaClient, tableName: string): Promise<{ name: string; variables: Record<string, string> }[]> {
  const functions: { name: string; variables: Record<string, string> }[] = [];
  for await (const page of paginateListFunctions({ client: lambda }, {})) {
    for (const fn of page.Functions ?? []) {
      const current = fn.Environment?.Variables ?? {};
      if (fn.FunctionName !== undefined && current.TABLE_NAME === tableName) functions.push({ name: fn.FunctionName, variables: current });
    }
  }
  if (functions.length === 0) throw new Error(`no deployed function uses the table ${tableName}`);
  return functions;
}

/**
 * Every variable the stack gives any of its functions (for a cold import of each bundle, which
 * needs its function's variables, e.g. the webhook functions' WEBHOOK_QUEUE_URL).
 */
async function deployedFunctionVariables(awsEnv: AwsEnv, tableName: string): Promise<Record<string, string>> {
  const lambda = lambdaClient(awsEnv);
  try {
    return Object.assign({}, ...(await stackFunctions(lambda, tableName)).map((fn) => fn.variables));
  } finally {
    lambda.destroy();
  }
}

/**
 * Sets `variables` (a value `undefined` removes the variable) on every function of the stack, known by
 * its `TABLE_NAME`; answers how many functions it changed.
 */
async function configureDeployedFunctions(
  awsEnv: AwsEnv,
  tableName: string,
  variables: Record<string, string | undefined>,
): Promise<number> {
  const lambda = lambdaClient(awsEnv);
  try {
    const functions = await stackFunctions(lambda, tableName);
    for (const fn of functions) {
      const merged: Record<string, string> = { ...fn.variables };
      for (const [name, value] of Object.entries(variables)) {
        if (value === undefined) delete merged[name];
        else merged[name] = value;
      }
      await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: fn.name, Environment: { Variables: merged } }));
      await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 60 }, { FunctionName: fn.name });
    }
    return functions.length;
  } finally {
    lambda.destroy();
  }
}

export { configureDeployedFunctions, deployedFunctionVariables };

<?xml version="1.0" encoding="UTF-8"?>
<!-- The edition's ODD customisation (schemas/tei-newspaper.odd) → an HTML fragment for the
     "Encoding guidelines" page: the prose of each encoding decision in English and Chinese,
     then the elements used, the attribute decisions and the Schematron rules, all read from
     the schemaSpec so the page always documents the schema actually enforced. -->
<xsl:stylesheet version="1.0"
                xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:tei="http://www.tei-c.org/ns/1.0"
                exclude-result-prefixes="tei">
  <xsl:output method="html" encoding="UTF-8" indent="no"/>

  <xsl:template match="/tei:TEI">
    <section class="encoding-guidelines" id="encoding-guidelines">
      <h2>
        <span lang="zh-Hans">编码规范</span>
        <xsl:text> · </xsl:text>
        <span lang="en">Encoding guidelines</span>
      </h2>
      <p class="odd-title" lang="en">
        <xsl:value-of select="tei:teiHeader/tei:fileDesc/tei:titleStmt/tei:title[not(@xml:lang)]"/>
      </p>
      <nav class="toc">
        <ol>
          <xsl:for-each select="tei:text/tei:body/tei:div">
            <li>
              <a href="#{@xml:id}">
                <span lang="zh-Hans"><xsl:value-of select="tei:head[@xml:lang = 'zh-Hans']"/></span>
                <xsl:text> · </xsl:text>
                <span lang="en"><xsl:value-of select="tei:head[not(@xml:lang)]"/></span>
              </a>
            </li>
          </xsl:for-each>
        </ol>
      </nav>
      <xsl:apply-templates select="tei:text/tei:body/tei:div"/>
    </section>
  </xsl:template>

  <xsl:template match="tei:body/tei:div">
    <section id="{@xml:id}">
      <h3>
        <span lang="zh-Hans"><xsl:apply-templates select="tei:head[@xml:lang = 'zh-Hans']/node()"/></span>
        <xsl:text> · </xsl:text>
        <span lang="en"><xsl:apply-templates select="tei:head[not(@xml:lang)]/node()"/></span>
      </h3>
      <div lang="zh-Hans">
        <xsl:apply-templates select="*[not(self::tei:head)][@xml:lang = 'zh-Hans']"/>
      </div>
      <div lang="en">
        <xsl:apply-templates select="*[not(self::tei:head) and not(self::tei:schemaSpec)][not(@xml:lang)]"/>
      </div>
      <xsl:apply-templates select="tei:schemaSpec"/>
    </section>
  </xsl:template>

  <!-- ===== the schemaSpec, documented from its own content ===== -->
  <xsl:template match="tei:schemaSpec">
    <h4><span lang="zh-Hans">使用的元素</span> · <span lang="en">Elements used</span></h4>
    <table class="odd-modules">
      <thead><tr><th>TEI module</th><th>elements</th></tr></thead>
      <tbody>
        <xsl:for-each select="tei:moduleRef[@include]">
          <tr>
            <td><code><xsl:value-of select="@key"/></code></td>
            <td><xsl:value-of select="normalize-space(@include)"/></td>
          </tr>
        </xsl:for-each>
      </tbody>
    </table>
    <h4><span lang="zh-Hans">属性的取值与必填</span> · <span lang="en">Attribute values and required attributes</span></h4>
    <table class="odd-attributes">
      <thead><tr><th>element / class</th><th>attribute</th><th>required</th><th>values</th></tr></thead>
      <tbody>
        <xsl:for-each select="tei:elementSpec/tei:attList/tei:attDef | tei:classSpec/tei:attList/tei:attDef">
          <tr>
            <td>
              <code>
                <xsl:choose>
                  <xsl:when test="ancestor::tei:elementSpec">&lt;<xsl:value-of select="ancestor::tei:elementSpec/@ident"/>&gt;</xsl:when>
                  <xsl:otherwise><xsl:value-of select="ancestor::tei:classSpec/@ident"/></xsl:otherwise>
                </xsl:choose>
              </code>
            </td>
            <td><code>@<xsl:value-of select="@ident"/></code></td>
            <td>
              <xsl:choose>
                <xsl:when test="@usage = 'req'">required · 必填</xsl:when>
                <xsl:otherwise>optional · 可选</xsl:otherwise>
              </xsl:choose>
            </td>
            <td>
              <xsl:apply-templates select="tei:desc" mode="bilingual"/>
              <xsl:if test="tei:valList[@type = 'closed']">
                <dl class="odd-values">
                  <xsl:for-each select="tei:valList/tei:valItem">
                    <dt><code><xsl:value-of select="@ident"/></code></dt>
                    <dd>
                      <span lang="zh-Hans"><xsl:value-of select="tei:gloss[@xml:lang = 'zh-Hans']"/></span>
                      <xsl:text> · </xsl:text>
                      <span lang="en"><xsl:value-of select="tei:gloss[not(@xml:lang)]"/></span>
                      <xsl:apply-templates select="tei:desc" mode="bilingual"/>
                    </dd>
                  </xsl:for-each>
                </dl>
              </xsl:if>
            </td>
          </tr>
        </xsl:for-each>
      </tbody>
    </table>
    <h4 id="schematron-rules"><span lang="zh-Hans">Schematron 规则</span> · <span lang="en">Schematron rules</span></h4>
    <table class="odd-rules">
      <thead><tr><th>rule</th><th lang="zh-Hans">说明</th><th lang="en">what it checks</th></tr></thead>
      <tbody>
        <xsl:for-each select="tei:constraintSpec[tei:constraint/*[local-name() = 'rule']]">
          <tr id="rule-{@ident}">
            <td><code><xsl:value-of select="@ident"/></code></td>
            <td lang="zh-Hans"><xsl:apply-templates select="tei:desc[@xml:lang = 'zh-Hans']/node()"/></td>
            <td lang="en"><xsl:apply-templates select="tei:desc[not(@xml:lang)]/node()"/></td>
          </tr>
        </xsl:for-each>
      </tbody>
    </table>
  </xsl:template>

  <xsl:template match="tei:desc" mode="bilingual">
    <p class="odd-desc">
      <xsl:attribute name="lang">
        <xsl:choose>
          <xsl:when test="@xml:lang"><xsl:value-of select="@xml:lang"/></xsl:when>
          <xsl:otherwise>en</xsl:otherwise>
        </xsl:choose>
      </xsl:attribute>
      <xsl:apply-templates/>
    </p>
  </xsl:template>

  <!-- ===== prose ===== -->
  <xsl:template match="tei:p"><p><xsl:apply-templates/></p></xsl:template>
  <xsl:template match="tei:list"><ul><xsl:apply-templates select="tei:item"/></ul></xsl:template>
  <xsl:template match="tei:item"><li><xsl:apply-templates/></li></xsl:template>
  <xsl:template match="tei:gi"><code class="gi">&lt;<xsl:value-of select="."/>&gt;</code></xsl:template>
  <xsl:template match="tei:att"><code class="att">@<xsl:value-of select="."/></code></xsl:template>
  <xsl:template match="tei:val"><code class="val">"<xsl:value-of select="."/>"</code></xsl:template>
  <xsl:template match="tei:code | tei:ident"><code><xsl:apply-templates/></code></xsl:template>
  <xsl:template match="tei:hi | tei:emph"><em><xsl:apply-templates/></em></xsl:template>
  <xsl:template match="tei:ref[@target]"><a href="{@target}"><xsl:apply-templates/></a></xsl:template>
  <xsl:template match="comment() | processing-instruction()"/>
</xsl:stylesheet>
